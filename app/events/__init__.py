"""Events: public event pages (staff management and RSVP build on this)."""
