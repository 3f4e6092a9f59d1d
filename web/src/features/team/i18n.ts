import i18n from "../../i18n";
import en from "./en.json";
import ru from "./ru.json";

// Team and security's own catalogue (a namespace, so features grow independently).
export const NS = "team";
i18n.addResourceBundle("en", NS, en);
i18n.addResourceBundle("ru", NS, ru);
