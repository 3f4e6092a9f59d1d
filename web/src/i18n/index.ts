import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import ru from "./ru.json";

// Every string the app shows lives in these catalogues; a third language is one more file.
export const LANGUAGES = { en: "English", ru: "Русский" } as const;
export type Language = keyof typeof LANGUAGES;

const saved = globalThis.localStorage?.getItem("smsgw.language");
const browser = globalThis.navigator?.language?.slice(0, 2);
const initial = [saved, browser].find((l): l is Language => !!l && l in LANGUAGES) ?? "en";

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ru: { translation: ru } },
  lng: initial,
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
});

export function setLanguage(language: Language): void {
  localStorage.setItem("smsgw.language", language);
  void i18n.changeLanguage(language);
  document.documentElement.lang = language;
}

export default i18n;
