"""Posts in the Django admin (API.md, Admin): moderators list, search, filter, edit and delete.

Built for a million rows: every query the changelist runs is served by an index of
``Post.Meta.indexes`` (ordering, date filter, author filter, trigram search), and no
query counts or lists the whole table (no full result count, no date hierarchy, no
select of every user, no filter listing every category).
"""

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from posts.models import Post
from posts.serializers import CONTENT_MAX_LENGTH


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
    # The API's limit (posts.serializers) holds in the admin too.
    content = forms.CharField(max_length=CONTENT_MAX_LENGTH, widget=forms.Textarea)

    class Meta:
        model = Post
        fields = ["user", "title", "content", "category", "image"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    paginator = EstimatedCountPaginator
    list_display = ["title", "author", "category", "created_at", "updated_at"]
    list_select_related = ["user"]
    # Columns whose sort an index serves; author and category would sort a million rows.
    sortable_by = ["title", "created_at", "updated_at"]
    # Ranges on created_at use post_created_id_idx. A date hierarchy runs DISTINCT date
    # queries over the table, and a category filter would list every distinct category.
    list_filter = [("created_at", admin.DateFieldListFilter)]
    # "Show counts" would count every filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER
    # icontains is UPPER(col) LIKE UPPER('%term%'): post_title_trgm_idx and
    # post_content_trgm_idx (migration 0002_post_search_trgm) are on those expressions.
    search_fields = ["title", "content"]
    search_help_text = "Title or content contains (case-insensitive)."
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["user"]
    fields = ["user", "title", "content", "category", "image", "id", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_author()

    @admin.display(description="Author")
    def author(self, obj: Post) -> str:
        return obj.user.email

    # Moderators moderate: they edit and delete any post but write none and reassign none.

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.can_edit(request.user))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.can_edit(request.user))

    def get_readonly_fields(self, request, obj=None):
        read_only = ["id", "created_at", "updated_at"]
        if obj is not None and not request.user.is_superuser:
            read_only.append("user")
        return read_only
