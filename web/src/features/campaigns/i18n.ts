import i18n from "../../i18n";
import en from "./en.json";
import ru from "./ru.json";

// This screen's strings are its own i18next namespace, so screens grow without touching the
// app's shared catalogue (src/i18n holds only the navigation labels).
export const NS = "campaigns";
i18n.addResourceBundle("en", NS, en, true, true);
i18n.addResourceBundle("ru", NS, ru, true, true);
