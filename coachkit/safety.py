from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Accept only a same-site relative path as a redirect target after login.

    :param target: the requested target, usually from the ``next`` parameter.
    :param default: where to go when the target is missing or unsafe.
    :return: the target when it is a plain path on this site, else ``default``.
    """
    if not target:
        return default
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    return target
