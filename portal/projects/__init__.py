"""Projects: status, ETAs, milestones and updates, for clients and staff."""
