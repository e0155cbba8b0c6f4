"""Why an upload is refused. Messages are shown to the villager as they are."""

from __future__ import annotations

from app.core.errors import DomainError, InvalidInput


class UnsupportedImage(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class ImageTooLarge(DomainError):
    status_code = 413
    code = "too_large"


class BrokenImage(InvalidInput):
    code = "broken_image"


def unsupported() -> UnsupportedImage:
    return UnsupportedImage("仅支持 JPEG、PNG、WebP 或 HEIC 格式的照片", field="file")


def truncated() -> BrokenImage:
    return BrokenImage("照片不完整，可能上传中断，请重新上传", field="file")


def corrupt() -> BrokenImage:
    return BrokenImage("照片文件已损坏或格式异常，请重新拍摄或选择其他照片", field="file")
