"""How alike two Chinese descriptions are: character bigrams (and, at half weight, single characters),
compared by cosine over their counts.

Why bigrams and not a segmenter (jieba): villagers write colloquially, with dialect words and local place
names that a dictionary does not know, and a segmenter that splits 石垭村 or 停水 differently in two
paraphrases loses the match; overlapping character pairs keep the key nouns (路灯, 停水, 漏水) whatever
the segmentation, need no dictionary, and cost microseconds. Filler (particles, politeness, "please
deal with it soon") is stripped first: every report says 希望尽快处理, which must not make two
unrelated reports look alike. Pure functions; no I/O.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

# Phrases that say nothing about *what* is wrong; longest first so that 希望尽快 goes before 希望.
FILLER_PHRASES = sorted(
    (
        "希望尽快处理",
        "希望尽快解决",
        "请尽快处理",
        "请尽快解决",
        "麻烦尽快",
        "希望尽快",
        "请尽快",
        "尽快",
        "希望",
        "麻烦",
        "帮忙",
        "处理一下",
        "解决一下",
        "处理",
        "解决",
        "反映",
        "谢谢",
        "你们",
        "我们",
        "我家",
        "这里",
        "那里",
        "这个",
        "那个",
        "一下",
        "一直",
        "已经",
        "还是",
        "非常",
        "特别",
        "现在",
        "有人",
        "没有人管",
        "没人管",
        "好几天",
        "几天",
        "好久",
        "大家",
        "村民",
        "领导",
        "相关部门",
        "有关部门",
    ),
    key=len,
    reverse=True,
)
FILLER_CHARS = frozenset("的了吗呢吧啊呀哦嘛么着过很都也又还就在是有被把给让和与及请")
_FILLER_RE = re.compile("|".join(map(re.escape, FILLER_PHRASES)))


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, filler phrases out, then only CJK letters, letters and digits."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _FILLER_RE.sub(" ", text)
    # A removed phrase or a punctuation mark leaves a gap: bigrams never bridge it.
    kept = []
    for ch in text:
        if ch in FILLER_CHARS or not (ch.isalnum()):
            kept.append(" ")
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


# A single shared character (桥, 坑, 狗) often carries the meaning in Chinese, but less than a shared pair.
UNIGRAM_WEIGHT = 0.5


@lru_cache(maxsize=4096)
def features(text: str) -> dict[str, float]:
    """Character bigrams within each run of kept characters (weight 1) and the characters (weight 0.5)."""
    grams: Counter[str] = Counter()
    singles: Counter[str] = Counter()
    for run in normalize(text).split():
        singles.update(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    weights = {g: float(n) for g, n in grams.items()}
    for ch, n in singles.items():
        weights[ch] = UNIGRAM_WEIGHT * n
    return weights


def similarity(a: str, b: str) -> float:
    """Cosine of the two weighted n-gram vectors: 1.0 for the same words, 0.0 for nothing in common."""
    fa, fb = features(a), features(b)
    if not fa or not fb:
        return 0.0
    if len(fa) > len(fb):
        fa, fb = fb, fa
    dot = sum(w * fb[g] for g, w in fa.items() if g in fb)
    if dot == 0:
        return 0.0
    norm = math.sqrt(sum(w * w for w in fa.values())) * math.sqrt(sum(w * w for w in fb.values()))
    return dot / norm
