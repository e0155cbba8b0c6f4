"""What the Official Account says back (passive replies), as data. Plain text, short lines, no markup:
WeChat shows it in the chat as it is."""

from __future__ import annotations

GUIDE = (
    "在这里可以随手拍、随手报：\n"
    "1. 直接发文字说明问题和地点，可以再发照片和位置，{window}分钟内发送的内容会合并为一条反映；\n"
    "2. 回复“进度”查看您最近反映的办理情况；\n"
    "3. 回复“新反映”开始反映另一件事；\n"
    "4. 也可以打开“随手拍”小程序反映和查看进度。"
)
WELCOME = "欢迎关注！" + GUIDE

RECEIVED = (
    "已收到您的反映，反映编号 {report_id}（{village}）。村(社区)将于 {respond_by} 前审核，"
    "受理后会告诉您台账编号。{window}分钟内继续发送的文字、照片和位置会补充到这条反映；"
    "回复“进度”可随时查看办理情况。"
)
TEXT_ADDED = "已补充到您的反映（反映编号 {report_id}）。"
PHOTO_HELD = (
    "已收到照片。请再发一段文字，说明是什么问题、在哪里（例如：村口路灯坏了），我们会把照片和文字一起上报。"
)
PHOTO_ADDED = "照片已补充到您的反映（反映编号 {report_id}）。"
LOCATION_HELD = "已收到位置{label}。请再发一段文字说明是什么问题，我们会一起上报。"
LOCATION_ADDED = "位置已补充到您的反映（反映编号 {report_id}）。"
ASK_VILLAGE = (
    "请问问题发生在哪个村(社区)？请回复村(社区)名称（例如：石垭村）或12位区划代码；"
    "也可以先在“随手拍”小程序“我的”中设置所在村(社区)。"
)
VILLAGE_NOT_FOUND = "没有找到“{text}”。请回复村(社区)的全称或12位区划代码。"
VILLAGE_AMBIGUOUS = "有几个村(社区)都叫“{text}”：{choices}。请回复其中一个的12位区划代码。"
NEW_CONVERSATION = "好的，请发送您要反映的新问题。"
UNSUPPORTED = "暂时只能接收文字、照片和位置。请用文字说明您要反映的问题。"
TRY_AGAIN = "系统繁忙，刚才的消息没有处理成功，请稍后再发一次。"

NO_REPORTS = "您还没有反映记录。直接发文字说明问题即可反映。"
PROGRESS_HEAD = "您最近的反映："
PROGRESS_LINE = "{n}. 反映编号 {report_id}｜{status}｜{ledger}｜{title}"
PROGRESS_NO_LEDGER = "待受理"
PROGRESS_TAIL = "详细进度请打开“随手拍”小程序查看。"

BOUND = "绑定成功：{name}（{role}）今后将通过本公众号接收工作通知。"
BIND_INVALID = "绑定二维码无效或已过期，请在工作台重新生成。"
BIND_TAKEN = "这个微信已绑定其他工作人员账号，如需更换请联系管理员。"
