import i18n from "../../i18n";
import en from "./en.json";
import ru from "./ru.json";

// The dashboard's message figures have their own catalogue (a namespace).
export const NS = "messageStats";
i18n.addResourceBundle("en", NS, en);
i18n.addResourceBundle("ru", NS, ru);
