"""Project templates: an admin's milestone sets (with default owners, durations and cadence)
that a new project can start from, its milestones dated from its start."""
