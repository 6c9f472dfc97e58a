"""Each map keeps how many nodes, frames, cruxes and edges it has (issue 12, item 1).

The services move the counts in the UPDATE that bumps graph_version; this
migration fills them for the maps that exist, from the rows themselves, before
the constraints are added (so the constraints check the real figures).
"""

from django.db import migrations, models
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def _rows_per_map(model, **filters):
    rows = (
        model.objects.filter(map=OuterRef("pk"), **filters)
        .order_by()
        .values("map")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def count_existing_rows(apps, schema_editor):
    # One UPDATE of every map, each count a correlated subquery on the (map_id, ...)
    # indexes: maps are few, and the migration runs once.
    Map = apps.get_model("claims", "Map")
    Node = apps.get_model("claims", "Node")
    Edge = apps.get_model("claims", "Edge")
    Map.objects.update(
        node_count=_rows_per_map(Node),
        frame_count=_rows_per_map(Node, kind="frame"),
        crux_count=_rows_per_map(Node, kind="crux"),
        edge_count=_rows_per_map(Edge),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="map",
            name="node_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="map",
            name="frame_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="map",
            name="crux_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="map",
            name="edge_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_existing_rows, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="map",
            constraint=models.CheckConstraint(
                condition=Q(node_count__gte=0), name="map_node_count_gte_0"
            ),
        ),
        migrations.AddConstraint(
            model_name="map",
            constraint=models.CheckConstraint(
                condition=Q(frame_count__gte=0), name="map_frame_count_gte_0"
            ),
        ),
        migrations.AddConstraint(
            model_name="map",
            constraint=models.CheckConstraint(
                condition=Q(crux_count__gte=0), name="map_crux_count_gte_0"
            ),
        ),
        migrations.AddConstraint(
            model_name="map",
            constraint=models.CheckConstraint(
                condition=Q(edge_count__gte=0), name="map_edge_count_gte_0"
            ),
        ),
        migrations.AddConstraint(
            model_name="map",
            constraint=models.CheckConstraint(
                condition=Q(node_count__gte=F("frame_count") + F("crux_count")),
                name="map_frames_and_cruxes_within_nodes",
            ),
        ),
    ]
