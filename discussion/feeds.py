"""A public map's activity as an Atom feed (/maps/{slug}/activity.atom).

Public maps only: a feed reader carries no session, and a private map's feed is a
404 (not a 403: its existence is not told). What the feed lists is what an
anonymous visitor sees on the activity page: no entries about hidden nodes.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims.models import Map, Visibility
from discussion import activity

FEED_ENTRIES = 50


class MapActivityFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug: str) -> Map:
        the_map = Map.objects.filter(slug=slug, visibility=Visibility.PUBLIC).first()
        if the_map is None:
            raise Http404(f"no public map '{slug}'")
        # The entries' ids are absolute URLs (Atom wants IRIs); this map instance
        # is this request's own, so the address can travel on it.
        the_map.activity_page_url = request.build_absolute_uri(reverse("map_activity", args=[slug]))
        return the_map

    def title(self, obj: Map) -> str:
        return f"{obj.title}: activity"

    def subtitle(self, obj: Map) -> str:
        return f"What people did on the map “{obj.title}”, newest first."

    def link(self, obj: Map) -> str:
        return reverse("map_activity", args=[obj.slug])

    def feed_url(self, obj: Map) -> str:
        return reverse("map_activity_feed", args=[obj.slug])

    def items(self, obj: Map) -> list[dict]:
        page = activity.activity_of_map(
            map=obj,
            user=AnonymousUser(),
            role=None,
            filters=activity.ActivityFilters(limit=FEED_ENTRIES),
        )
        return [
            {**entry, "guid": f"{obj.activity_page_url}#activity-{entry['id']}"}
            for entry in page.entries
        ]

    def item_title(self, item: dict) -> str:
        return item["text"]

    def item_description(self, item: dict) -> str:
        # Atom's summary is text here (Django escapes it): the sentence again.
        return item["text"]

    def item_link(self, item: dict) -> str:
        return item["url"] or f"{reverse('map_activity', args=[item['map']])}#activity-{item['id']}"

    def item_guid(self, item: dict) -> str:
        # Many entries link the same node page: the id must be the entry's own.
        return item["guid"]

    item_guid_is_permalink = False

    def item_pubdate(self, item: dict):
        return item["created_at"]

    def item_updateddate(self, item: dict):
        return item["created_at"]

    def item_author_name(self, item: dict) -> str | None:
        return item["actor"]
