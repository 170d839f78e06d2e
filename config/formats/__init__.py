"""Our own locale formats (`FORMAT_MODULE_PATH`): where Django's defaults mislead our readers."""
