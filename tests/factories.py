"""factory_boy factories: rows for test set-up (the behaviour under test goes
through the services)."""

import factory
from django.contrib.auth import get_user_model

from claims.models import Edge, Map, Node


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


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
