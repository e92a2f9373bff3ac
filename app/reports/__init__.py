"""Attendance reports: event attendance and sign-in sheets, council attendance records,
certificates of attendance, cluster activity reports and attendee exports."""
