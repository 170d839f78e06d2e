"""English dates, day first and with the month in letters ("4 Dec 2026"): Django's English defaults are
American (12/04/2026), which our readers, all in Italy or Europe, read as 12 April. Numbers keep English
separators (16,000.00). Italian keeps Django's own formats."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# What people type, day first; ISO first because <input type="date"> sends it.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-04'
    "%d/%m/%Y",  # '04/12/2026'
    "%d/%m/%y",  # '04/12/26'
    "%d %b %Y",  # '4 Dec 2026'
    "%d %B %Y",  # '4 December 2026'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2026-12-04 14:30:59'
    "%Y-%m-%d %H:%M:%S.%f",  # '2026-12-04 14:30:59.000200'
    "%Y-%m-%d %H:%M",  # '2026-12-04 14:30'
    "%d/%m/%Y %H:%M:%S",  # '04/12/2026 14:30:59'
    "%d/%m/%Y %H:%M",  # '04/12/2026 14:30'
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
