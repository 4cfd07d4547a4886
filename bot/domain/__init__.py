"""Pure rules and value types: items, phones, locale, schedules, danger detection, priority classes. No database, no Bot API."""
