"""Publishing (status, published_at), excerpts and slugs with their history (API.md, Posts).

Existing posts stay live: published, at their creation time. Each gets a slug from its
title, unique in creation order, recorded as its first PostSlug.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

from posts.slugs import slugify


def give_existing_posts_slugs(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    PostSlug = apps.get_model("posts", "PostSlug")
    taken: set[str] = set()
    batch = []
    for post in Post.objects.order_by("created_at", "id").only("id", "title").iterator(chunk_size=5000):
        base = slugify(post.title)
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        post.slug = slug
        batch.append(post)
        if len(batch) == 5000:
            save_slugs(Post, PostSlug, batch)
            batch = []
    save_slugs(Post, PostSlug, batch)


def save_slugs(Post, PostSlug, posts):
    Post.objects.bulk_update(posts, ["slug"])
    PostSlug.objects.bulk_create([PostSlug(post_id=post.id, slug=post.slug) for post in posts])


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0003_timestamps_from_one_clock_reading'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PostSlug',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.CharField(db_collation='C', max_length=120, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AlterModelOptions(
            name='post',
            options={'ordering': [models.OrderBy(models.F('published_at'), descending=True, nulls_last=True), '-id']},
        ),
        migrations.RemoveIndex(
            model_name='post',
            name='post_user_created_idx',
        ),
        migrations.RemoveIndex(
            model_name='post',
            name='post_category_ci_idx',
        ),
        migrations.AddField(
            model_name='post',
            name='custom_excerpt',
            field=models.CharField(blank=True, default='', max_length=500),
        ),
        migrations.AddField(
            model_name='post',
            name='published_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='post',
            name='slug',
            field=models.CharField(db_collation='C', max_length=120, null=True),
        ),
        migrations.AddField(
            model_name='post',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='published', max_length=10),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(models.OrderBy(models.F('published_at'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('status', 'published')), name='post_live_published_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('status', 'published')), fields=['published_at', 'id'], name='post_live_published_asc_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(condition=models.Q(('status', 'draft')), fields=['created_at'], name='post_draft_created_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(models.F('user'), models.OrderBy(models.F('published_at'), descending=True, nulls_last=True), name='post_user_published_idx'),
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(django.db.models.functions.text.Upper('category'), models.OrderBy(models.F('published_at'), descending=True, nulls_last=True), name='post_category_ci_idx'),
        ),
        migrations.AddField(
            model_name='postslug',
            name='post',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='slugs', to='posts.post'),
        ),
        migrations.RunSQL(
            "UPDATE posts_post SET published_at = created_at WHERE status = 'published'",
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(give_existing_posts_slugs, migrations.RunPython.noop),
        # Check the new rows' foreign keys now: ALTER TABLE refuses pending trigger events.
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='post',
            name='slug',
            field=models.CharField(db_collation='C', max_length=120, unique=True),
        ),
    ]
