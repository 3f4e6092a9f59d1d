import i18n from "../../i18n";
import en from "./en.json";
import ru from "./ru.json";

export const NS = "accountState";
i18n.addResourceBundle("en", NS, en);
i18n.addResourceBundle("ru", NS, ru);
