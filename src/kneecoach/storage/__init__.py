"""The journal: people, assessments, programmes, session logs and pain, in a local database."""
