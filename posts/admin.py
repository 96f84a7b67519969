"""Posts in the Django admin (API.md, Admin): moderators list, search, filter, edit and delete.

Built for a million rows: every query the changelist runs is served by an index of
``Post.Meta.indexes`` (ordering, date filter, author filter, trigram search), and no
query counts or lists the whole table (no full result count, no date hierarchy, no
select of every user, no filter listing every category).
"""

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from posts import services, slugs, tags
from posts.models import SLUG_MAX_LENGTH, Post, PostTag, Tag
from posts.publishing import ShownStatus, draft_q, live_q, scheduled_q

TAG_SEARCH_PREFIX = "tag:"
# The admin's words for a post's shown status.
PUBLICATION_LABELS = {ShownStatus.PUBLISHED: "live", ShownStatus.SCHEDULED: "scheduled", ShownStatus.DRAFT: "draft"}


class EstimatedCountPaginator(Paginator):
    """The changelist's count without counting a million rows.

    COUNT(*) reads every matching row: about a second for a broad search ("post") or a
    prolific author's filter at a million posts, while the page itself takes milliseconds.
    So the unfiltered list uses PostgreSQL's row estimate (kept current by autovacuum's
    ANALYZE; its last page may be a little off), and a filtered or searched list counts at
    most ``count_cap`` rows: past that it shows ``count_cap`` results, 200 pages of 50,
    and the way on is a narrower search or filter.
    """

    exact_below = 10_000
    count_cap = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if queryset.query.where:
            return queryset.order_by()[: self.count_cap].count()
        estimate = self.estimated_rows(queryset)
        return estimate if estimate >= self.exact_below else queryset.count()

    @staticmethod
    def estimated_rows(queryset) -> int:
        with connections[queryset.db].cursor() as cursor:
            # reltuples is -1 until the table's first ANALYZE: then the exact count is used.
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row else -1


class PostAdminForm(forms.ModelForm):
    # The API's rules (posts.serializers, posts.slugs) hold in the admin too.
    slug = forms.CharField(
        required=False,
        max_length=SLUG_MAX_LENGTH,
        validators=[slugs.validate_slug],
        help_text="Empty: made from the title (new post) or kept. A former slug keeps redirecting to the post.",
    )

    class Meta:
        model = Post
        fields = ["user", "title", "slug", "content", "custom_excerpt", "category", "image", "status", "published_at"]
        labels = {"custom_excerpt": "Excerpt"}
        help_texts = {
            "custom_excerpt": "Empty: the first 200 characters of the content, following its edits.",
            "published_at": "Set on first publication. In the future, the post is scheduled: live at that time.",
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        existing = None if self.instance._state.adding else self.instance
        if not slug:
            return existing.slug if existing else ""
        if slugs.taken_by_another(slug, existing):
            raise forms.ValidationError(slugs.SLUG_TAKEN)
        return slug


class PublicationFilter(admin.SimpleListFilter):
    """Live, scheduled or draft, each served by an index at a million posts."""

    title = "publication"
    parameter_name = "publication"
    conditions = {"live": live_q, "scheduled": scheduled_q, "draft": draft_q}

    def lookups(self, request, model_admin):
        return [(value, value.capitalize()) for value in self.conditions]

    def queryset(self, request, queryset):
        condition = self.conditions.get(self.value())
        return queryset.filter(condition()) if condition else queryset


class PostTagInline(admin.TabularInline):
    model = PostTag
    fields = ["tag", "position"]
    autocomplete_fields = ["tag"]
    extra = 1
    verbose_name = "tag"
    verbose_name_plural = "tags (in the order shown on the post)"


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    paginator = EstimatedCountPaginator
    list_display = ["title", "author", "publication", "published_at", "category", "created_at", "updated_at"]
    list_select_related = ["user"]
    # Columns whose sort an index serves; author and category would sort a million rows.
    sortable_by = ["title", "created_at", "updated_at"]
    # Ranges on created_at use post_created_id_idx. A date hierarchy runs DISTINCT date
    # queries over the table, and a category filter would list every distinct category.
    list_filter = [PublicationFilter, ("created_at", admin.DateFieldListFilter)]
    actions = ["publish_now", "unpublish"]
    # "Show counts" would count every filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER
    # icontains is UPPER(col) LIKE UPPER('%term%'): post_title_trgm_idx and
    # post_content_trgm_idx (migration 0002_post_search_trgm) are on those expressions.
    search_fields = ["title", "content"]
    search_help_text = "Title or content contains (case-insensitive); tag:NAME finds the posts of a tag."
    inlines = [PostTagInline]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["user"]
    fields = [
        "user",
        "title",
        "slug",
        "former_slugs",
        "content",
        "custom_excerpt",
        "category",
        "image",
        "status",
        "published_at",
        "id",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_author()

    def get_search_results(self, request, queryset, search_term):
        if search_term.startswith(TAG_SEARCH_PREFIX):
            name = search_term.removeprefix(TAG_SEARCH_PREFIX).strip()
            return tags.with_tag(queryset, tags.ids_matching(name)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Author")
    def author(self, obj: Post) -> str:
        return obj.user.email

    @admin.display(description="Publication")
    def publication(self, obj: Post) -> str:
        return PUBLICATION_LABELS[obj.shown_status]

    @admin.display(description="Former slugs")
    def former_slugs(self, obj: Post) -> str:
        """The slugs that redirect to this post, newest first."""
        former = obj.slugs.exclude(slug=obj.slug).values_list("slug", flat=True) if obj.pk else []
        return ", ".join(former) or "none"

    def save_model(self, request, obj: Post, form, change: bool) -> None:
        # Through the services, like the API: slug history and publication rules apply.
        if change:
            new_slug, obj.slug = obj.slug, form.initial["slug"]
            services.post_update(post=obj, slug=new_slug)
        else:
            services.post_save_new(post=obj, slug=obj.slug or None)

    def delete_model(self, request, obj: Post) -> None:
        services.post_delete(post=obj)

    def delete_queryset(self, request, queryset) -> None:
        for post in queryset:
            services.post_delete(post=post)

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset) -> None:
        self.apply(request, queryset, services.post_publish_now, "published")

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset) -> None:
        self.apply(request, queryset, services.post_unpublish, "moved back to draft")

    def apply(self, request, queryset, workflow, done: str) -> None:
        posts = [post for post in queryset if post.can_edit(request.user)]
        for post in posts:
            workflow(post=post)
        self.message_user(request, f"{len(posts)} post(s) {done}.", messages.SUCCESS)

    # Moderators moderate: they edit and delete any post but write none and reassign none.

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.can_edit(request.user))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.can_edit(request.user))

    def get_readonly_fields(self, request, obj=None):
        read_only = ["id", "former_slugs", "created_at", "updated_at"]
        if obj is not None and not request.user.is_superuser:
            read_only.append("user")
        return read_only


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Tags for moderators: counts, rename (case included), merge two, delete."""

    list_display = ["name", "slug", "post_count", "created_at"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug", "post_count", "created_at"]
    readonly_fields = ["slug", "post_count", "created_at"]
    actions = ["merge"]
    list_per_page = 100

    def get_queryset(self, request):
        # Counted per shown row (a subquery on post_tag_by_tag_idx), not grouped over every tag.
        count = PostTag.objects.filter(tag=OuterRef("pk")).values("tag").annotate(n=Count("*")).values("n")
        return super().get_queryset(request).annotate(post_count=Coalesce(Subquery(count), 0))

    @admin.display(description="Posts")
    def post_count(self, tag: Tag) -> int:
        return tag.post_count

    def save_model(self, request, obj: Tag, form, change: bool) -> None:
        if not change:
            obj.slug = next(
                slug for slug in slugs.numbered(slugs.slugify(obj.name)) if not Tag.objects.filter(slug=slug).exists()
            )
        super().save_model(request, obj, form, change)

    @admin.action(description="Merge the two selected tags (into the older one)", permissions=["change"])
    def merge(self, request, queryset) -> None:
        selected = list(queryset.order_by("created_at", "id")[:3])
        if len(selected) != 2:
            self.message_user(request, "Select exactly two tags to merge.", messages.ERROR)
            return
        kept, merged = selected
        moved = tags.tags_merge(kept=kept, merged=merged)
        self.message_user(
            request, f'Merged "{merged.name}" into "{kept.name}" ({moved} post(s) moved).', messages.SUCCESS
        )
