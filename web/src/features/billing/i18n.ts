import i18n from "../../i18n";
import en from "./en.json";
import ru from "./ru.json";

// Billing's own catalogue (a namespace, so features grow independently).
export const NS = "billing";
i18n.addResourceBundle("en", NS, en);
i18n.addResourceBundle("ru", NS, ru);
