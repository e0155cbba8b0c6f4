"""The SLA clocks: reminders before a deadline, the escalation ladder after it, the rating follow-up."""
