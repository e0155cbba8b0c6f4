"""The text similarity on Chinese pairs: paraphrases of one issue above the threshold, unrelated
reports (even in one category, even with the same polite filler) below it."""

from __future__ import annotations

import pytest

from app.warnings.similarity import features, normalize, similarity
from app.warnings.thresholds import Thresholds

THRESHOLD = Thresholds().text_similarity

PARAPHRASES = [
    ("村口的路灯坏了好几天了，晚上黑漆漆的", "路灯坏了，村口那一段晚上一片漆黑"),
    ("全村停水两天了，做饭洗衣都没水", "我们这边已经停水两天了，生活很不方便"),
    ("垃圾站的垃圾堆满了，好几天没人清运", "村里垃圾站满了没人拉走，味道很大"),
    ("晚上广场舞音响声音太大，吵得睡不着", "跳广场舞的音响太响，晚上十点还不停"),
    ("有人冒充快递客服打电话要银行卡号", "接到自称快递客服的电话，说要理赔让我转账"),
    ("三组自来水管破了，一直在漏水", "三组的水管爆了，水漏得到处都是"),
]
UNRELATED = [
    ("村口的路灯坏了好几天了", "三组自来水管破了，一直在漏水"),
    ("路边垃圾堆积，臭味很大，希望尽快处理", "公路上有个大坑，车辆经过很危险，希望尽快处理"),
    ("井盖丢了，走路容易掉下去", "健身器材坏了，螺丝都松了"),
    ("小区停水两天了，没法做饭", "垃圾桶满了没人清理，臭气熏天"),
    ("邻居在我家门口堆柴火", "两家为宅基地边界吵起来了"),
]


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_paraphrases_of_one_issue_are_alike(a, b):
    assert similarity(a, b) >= THRESHOLD, (a, b, similarity(a, b))


@pytest.mark.parametrize(("a", "b"), UNRELATED)
def test_unrelated_reports_are_not_alike(a, b):
    assert similarity(a, b) < THRESHOLD, (a, b, similarity(a, b))


def test_filler_and_punctuation_do_not_count():
    # Only "please deal with it soon" in common: nothing about what is wrong.
    assert similarity("希望尽快处理！！", "请尽快解决，谢谢") == 0.0
    assert normalize("路灯，坏了！！ 希望尽快处理。") == "路灯 坏"
    # Full-width letters and digits are the same as half-width ones.
    assert normalize("３组ＡＢ") == "3组ab"
    assert similarity("路灯坏了。", "路灯坏了") == pytest.approx(1.0)


def test_similarity_is_symmetric_and_bounded():
    for a, b in PARAPHRASES + UNRELATED:
        assert similarity(a, b) == pytest.approx(similarity(b, a))
        assert 0.0 <= similarity(a, b) <= 1.0 + 1e-9
    assert similarity("", "路灯坏了") == 0.0 and similarity("！？", "。") == 0.0


def test_features_are_bigrams_and_half_weight_characters():
    assert features("路灯坏") == {"路灯": 1.0, "灯坏": 1.0, "路": 0.5, "灯": 0.5, "坏": 0.5}
    # A gap left by punctuation or filler is never bridged by a bigram.
    assert "灯坏" not in features("路灯，坏")
