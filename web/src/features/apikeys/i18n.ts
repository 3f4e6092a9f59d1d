import i18n from "../../i18n";
import en from "./en.json";
import ru from "./ru.json";

// The screen's own catalogue, a namespace of its own so features grow without touching the
// app's shared files.
export const NS = "apikeys";
i18n.addResourceBundle("en", NS, en);
i18n.addResourceBundle("ru", NS, ru);
