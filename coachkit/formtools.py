def strip(value):
    return value.strip() if isinstance(value, str) else value
