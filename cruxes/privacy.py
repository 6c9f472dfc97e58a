"""The privacy floor of vote statistics.

With one voter on a node, its mean (or its community credence, given the
public prior and n) is that person's vote; with two, the mean and SD give both.
So below `PRIVACY_MIN_VOTERS` voters, what others see of a node's votes is how
many there are: no mean, median, SD, histogram or community credence, on the
pages, in the API, in exports and in the ranking's rows. The ranking itself
still counts every vote, and a voter always sees their own vote.
"""

from django.conf import settings


def privacy_floor() -> int:
    """The least number of voters whose statistics others may see (PRIVACY_MIN_VOTERS)."""
    return settings.PRIVACY_MIN_VOTERS


def statistics_withheld(n_votes: int) -> bool:
    """True when a node has votes, but too few for their statistics to hide each one."""
    return 0 < n_votes < settings.PRIVACY_MIN_VOTERS
