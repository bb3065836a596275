from apps.core.choices import Role

ROLE_PERMISSIONS = {Role.OFFICER: {"testapp.view_case", "testapp.change_case"}}
