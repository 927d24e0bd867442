// The Stock movements list's product filter (docs/architecture.md#the-stock-ledger): jazzmin's
// select2 fed by the admin's autocomplete view, which searches products as the product list
// does and checks the view permission. Choosing or clearing a product reloads the list.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
    const $ = window.jQuery;
    if (!$ || !$.fn.select2) {
        return;
    }
    $(".product-autocomplete-filter").each(function () {
        const $select = $(this);
        $select.select2({
            allowClear: true,
            placeholder: $select.data("placeholder"),
            minimumInputLength: 1,
            width: "style",
            ajax: {
                url: $select.data("url"),
                dataType: "json",
                delay: 250,
                data: function (params) {
                    return {
                        term: params.term,
                        page: params.page,
                        app_label: $select.data("app-label"),
                        model_name: $select.data("model-name"),
                        field_name: $select.data("field-name"),
                    };
                },
            },
        });
        $select.on("change", function () {
            if ($select.val()) {
                $select.attr("name", $select.data("name"));
            } else {
                $select.removeAttr("name");
            }
            this.form.submit();
        });
    });
});
