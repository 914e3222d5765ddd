"""Clients' private feeds: an Atom feed of their projects' published updates and an iCalendar
feed of project and milestone ETAs, behind a link of their own that they can reset."""
