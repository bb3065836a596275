"""Daily job: mark the office's statutory clocks that ran past their due date, notify their
responsible users on the platform and by e-mail (Django's mail settings). Safe to run twice:
a clock is marked once, a user notified once per clock, an e-mail sent once per notification.

    manage.py deadlines_daily
"""

from django.core.management.base import BaseCommand, CommandError

from apps.core.notifications import deadlines_notify_overdue


class Command(BaseCommand):
    help = "Mark overdue statutory deadlines once and notify the responsible users in-app and by e-mail."

    def handle(self, *args, **options):
        result = deadlines_notify_overdue()
        for name, count in result.as_dict().items():
            self.stdout.write(f"{name}: {count}")
        if result.email_failures:
            # The in-app notices are stored; the failed e-mails are tried again on the next run.
            raise CommandError("e-mail not sent to: " + "; ".join(result.email_failures))
