"""No models of its own. This module exists because Django sends post_migrate only to apps
with a models module, and AccountsConfig's post_migrate receiver restores the role groups
after every migrate and every test-database flush (transactional and browser tests)."""
