"""What happens to listings, told to other apps (see apps/subjects/events.py for the convention).

- `listing_started(sender=ListEntry, entries=[…], case=…)`: subjects went on a list (a serious
  listing decided, a red-list entry confirmed, a key-attention entry opened); the measures apply
  from each entry's `start`.
- `listing_ended(sender=ListEntry, entries=[…], case=…)`: entries ended (removed by repair,
  revocation or expiry; a key-attention entry ended or converted); the measures stop that day.
"""

from django.dispatch import Signal

listing_started = Signal()
listing_ended = Signal()
