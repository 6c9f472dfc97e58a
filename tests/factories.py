"""factory_boy factories: rows for test set-up (the behaviour under test goes
through the services)."""

import factory
from django.contrib.auth import get_user_model
from django.db.models import F
from rest_framework.authtoken.models import Token

from claims.edge_keys import default_edge_key
from claims.models import Edge, Map, Node


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # the token hook changes no field of the user

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def api_token(user, create: bool, extracted: object, **kwargs: object) -> None:
        # Every account user_register makes has its API token; so do these, and a
        # test that logs a persona in (client_for) does not add a row while it
        # compares table counts.
        if create:
            Token.objects.get_or_create(user=user)


class MapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Map

    slug = factory.Sequence(lambda n: f"map-{n}")
    title = factory.Sequence(lambda n: f"Map {n}")
    owner = factory.SubFactory(UserFactory)


class NodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Node

    map = factory.SubFactory(MapFactory)
    key = factory.Sequence(lambda n: f"node-{n}")
    kind = "crux"
    title = factory.Sequence(lambda n: f"Node {n}")
    category = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        node = super()._create(model_class, *args, **kwargs)
        # The map's stored counts, as node_create moves them: the map lists read
        # them, and a later node_delete lowers them (never below zero).
        Map.objects.filter(pk=node.map_id).update(
            node_count=F("node_count") + 1,
            frame_count=F("frame_count") + int(node.kind == "frame"),
            crux_count=F("crux_count") + int(node.kind == "crux"),
        )
        return node


class FrameFactory(NodeFactory):
    kind = "frame"
    category = "outer"


class EdgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edge

    map = factory.SelfAttribute("source.map")
    source = factory.SubFactory(NodeFactory)
    target = factory.SubFactory(FrameFactory, map=factory.SelfAttribute("..source.map"))
    kind = "supports"
    weight = 1.0
    key = factory.LazyAttribute(lambda e: default_edge_key(e.source.key, e.kind, e.target.key))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        edge = super()._create(model_class, *args, **kwargs)
        Map.objects.filter(pk=edge.map_id).update(edge_count=F("edge_count") + 1)
        return edge
