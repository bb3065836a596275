from django.urls import path, register_converter

from apps.catalog import public, views


class ListKindConverter:
    regex = "catalogs|measure-lists|exemption-lists"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ListKindConverter, "listkind")

app_name = "catalog"

urlpatterns = [
    path("catalogs/", views.document_list, {"kind": "catalogs"}, name="catalog_list"),
    path("measure-lists/", views.document_list, {"kind": "measure-lists"}, name="measurelist_list"),
    path("exemption-lists/", views.document_list, {"kind": "exemption-lists"}, name="exemptionlist_list"),
    path("catalogs/items/", views.published_item_list, name="item_list"),
    path("measure-lists/measures/", views.published_measure_list, name="measure_list"),
    path("catalogs/<int:pk>/export.<slug:fmt>", views.catalog_export, name="catalog_export"),
    path("catalogs/<int:pk>/import/", views.catalog_import_view, name="catalog_import"),
    # public pages, no login
    path("public/catalog/", public.public_index, name="public_index"),
    path("public/catalog/catalogs/<int:pk>/items/<int:item_pk>/", public.public_item, name="public_item"),
    path("public/catalog/<listkind:kind>/<int:pk>/", public.public_document, name="public_document"),
    path(
        "public/catalog/<listkind:kind>/<int:pk>/consultation/", public.public_consultation, name="public_consultation"
    ),
    path("<listkind:kind>/", views.document_list, name="document_list"),
    path("<listkind:kind>/new/", views.document_create, name="document_create"),
    path("<listkind:kind>/<int:pk>/", views.document_detail, name="document_detail"),
    path("<listkind:kind>/<int:pk>/step/<slug:step>/", views.document_step, name="document_step"),
    path("<listkind:kind>/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("<listkind:kind>/<int:pk>/comments/<int:comment_pk>/reply/", views.comment_reply, name="comment_reply"),
    path("<listkind:kind>/<int:pk>/entries/new/", views.entry_edit, name="entry_add"),
    path("<listkind:kind>/<int:pk>/entries/<int:entry_pk>/", views.entry_edit, name="entry_edit"),
    path("<listkind:kind>/<int:pk>/entries/<int:entry_pk>/remove/", views.entry_remove, name="entry_remove"),
    path("<listkind:kind>/<int:pk>/compare/<int:other_pk>/", views.document_compare, name="document_compare"),
]
