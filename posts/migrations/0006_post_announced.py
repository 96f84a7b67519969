"""Post.announced: live as of its last save, so that scheduled posts gone live get announced
(events.tasks). Posts live today are announced already: no event flood after migrating.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0005_tags_search_vector_leaner_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='post',
            name='announced',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunSQL(
            "UPDATE posts_post SET announced = true WHERE status = 'published' AND published_at <= now()",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('announced', False), ('status', 'published')), fields=['published_at'], name='post_unannounced_idx'),
        ),
    ]
