"""The admin kit: small pieces every app may use (it imports no app of the project)."""
