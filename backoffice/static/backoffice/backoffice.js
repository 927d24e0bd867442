/* Backoffice's corrections to jazzmin's behaviour, loaded through
   JAZZMIN_SETTINGS["custom_js"] on every admin page (docs/architecture.md#rendering). */
"use strict";

/* Django 5.2's many-to-many chooser (admin/js/SelectFilter2.js) asks "is any option
   selected?" by making its list required for a moment and calling checkValidity(). That
   fires an "invalid" event, which AdminLTE's form accessibility code shows as an error under
   the list: "Please select an item in the list." on a form nobody has touched. The probe is
   no validation, so its event is stopped on its way down, before AdminLTE's listener. */
document.addEventListener(
  "invalid",
  (event) => {
    if (event.target.matches(".selector select")) {
      event.stopPropagation();
    }
  },
  true,
);
