"""Calendar: the iCalendar (.ics) builder and the calendar download routes."""
