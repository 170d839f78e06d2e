from django.db import migrations

# The work lists sort on the answer deadline, now written on the task row (`viewflow_task.scheduled`, which
# viewflow's timer dispatcher reads only for TIMER tasks): these partial indexes cover only open tasks and give
# a queue's or an inbox's first page in order, without joining the whole list first (bench/handoffs.py).
BACKFILL = """
    UPDATE viewflow_task SET scheduled = (
        SELECT h.due_at FROM workflows_handoff h WHERE h.process_id = viewflow_task.process_id AND h.status = 'pending'
    )
    WHERE flow_task_type = 'HUMAN' AND status IN ('NEW', 'ASSIGNED', 'STARTED')
      AND EXISTS (SELECT 1 FROM workflows_handoff h WHERE h.process_id = viewflow_task.process_id
                  AND h.status = 'pending')
"""


def statistics(apps, schema_editor):
    # PostgreSQL only: tell the planner that a waiting task has no owner and sits in one organisation's queue
    # (without it, it multiplies the selectivities and expects one row where there are a thousand).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS tavolo_task_routing (dependencies, mcv) "
            "ON status, owner_id, owner_permission_obj_pk, owner_permission FROM viewflow_task"
        )
        # Statistics are empty until the table is analysed; autovacuum would get there, but not at once.
        schema_editor.execute("ANALYZE viewflow_task")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS tavolo_task_routing")


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0002_task_queue_indexes"),
    ]

    operations = [
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS tavolo_task_waiting ON viewflow_task "
            "(owner_permission_obj_pk, owner_permission_content_type_id, scheduled, created, id) "
            "WHERE status = 'NEW' AND owner_id IS NULL",
            "DROP INDEX IF EXISTS tavolo_task_waiting",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS tavolo_task_assigned ON viewflow_task (owner_id, scheduled, created, id) "
            "WHERE status IN ('ASSIGNED', 'STARTED')",
            "DROP INDEX IF EXISTS tavolo_task_assigned",
        ),
        migrations.RunPython(statistics, drop_statistics),
    ]
