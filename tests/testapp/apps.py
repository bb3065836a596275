from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "测试应用"  # named as the admin names an app for a zh-hans user
