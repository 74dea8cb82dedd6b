"""`nmirf unlock USERNAME …` / `nmirf unlock --address IP`: let a locked-out account or
address sign in again, with an audit event (django-axes' own axes_reset_* commands work
too, but leave none)."""

from django.core.management.base import BaseCommand, CommandError

from nmirf.accounts.lockout import unlock


class Command(BaseCommand):
    help = "Unlock sign-in for accounts (by user name) or addresses locked after failures."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="user names to unlock")
        parser.add_argument("--address", action="append", default=[], metavar="IP",
                            help="an address to unlock (may be repeated)")

    def handle(self, *args, usernames, address, **options):
        if not usernames and not address:
            raise CommandError("Name at least one user name or --address.")
        for username in usernames:
            cleared = unlock(username=username)
            self.stdout.write(f"{username}: unlocked ({cleared} failure records cleared)")
        for ip in address:
            cleared = unlock(ip_address=ip)
            self.stdout.write(f"{ip}: unlocked ({cleared} failure records cleared)")
