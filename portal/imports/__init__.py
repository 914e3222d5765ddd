"""CSV import of accounts, client contacts, projects and milestones, with its dry run."""
