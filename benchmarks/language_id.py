"""Accuracy of language-identification candidates on short survey-style answers.

    python benchmarks/language_id.py

The sentences are synthetic (written for this check), eight per language, in the register of
free-text survey answers. Each candidate is asked "English or not?" (the decision the ingest
step makes) and for its best language; time is per sentence after the model is loaded.
"""

from __future__ import annotations

import time

SENTENCES: dict[str, list[str]] = {
    "en": [
        "The staff were kind and listened to what I needed.",
        "Waiting times for an appointment are far too long.",
        "More support for carers in the evenings would help.",
        "I did not know who to call when things went wrong.",
        "Great service, thank you to the whole team.",
        "Parking at the centre is a nightmare.",
        "The new way of working has made things easier for my mum.",
        "Communication between teams could be better.",
    ],
    "cy": [
        "Roedd y staff yn garedig iawn ac yn gwrando arnaf.",
        "Mae'r amser aros am apwyntiad yn llawer rhy hir.",
        "Byddai mwy o gefnogaeth i ofalwyr gyda'r nos yn helpu.",
        "Doeddwn i ddim yn gwybod pwy i'w ffonio.",
        "Gwasanaeth gwych, diolch i'r tîm i gyd.",
        "Mae parcio yn y ganolfan yn anodd iawn.",
        "Mae'r ffordd newydd o weithio wedi gwneud pethau'n haws.",
        "Gallai'r cyfathrebu rhwng timau fod yn well.",
    ],
    "pl": [
        "Personel był bardzo miły i wysłuchał mnie.",
        "Czas oczekiwania na wizytę jest zdecydowanie za długi.",
        "Więcej wsparcia dla opiekunów wieczorem byłoby pomocne.",
        "Nie wiedziałem, do kogo zadzwonić.",
        "Świetna obsługa, dziękuję całemu zespołowi.",
        "Parkowanie przy ośrodku to koszmar.",
        "Nowy sposób pracy ułatwił życie mojej mamie.",
        "Komunikacja między zespołami mogłaby być lepsza.",
    ],
    "ro": [
        "Personalul a fost foarte amabil și m-a ascultat.",
        "Timpul de așteptare pentru o programare este prea lung.",
        "Mai mult sprijin pentru îngrijitori seara ar ajuta.",
        "Nu știam pe cine să sun când ceva nu mergea.",
        "Serviciu excelent, mulțumesc întregii echipe.",
        "Parcarea la centru este un coșmar.",
        "Noul mod de lucru a ușurat lucrurile pentru mama mea.",
        "Comunicarea dintre echipe ar putea fi mai bună.",
    ],
    "gd": [
        "Bha an luchd-obrach glè chaoimhneil rium.",
        "Tha an ùine feitheimh ro fhada.",
        "Bhiodh barrachd taic do luchd-cùraim feumail.",
        "Cha robh fios agam cò ris a bu chòir dhomh fònadh.",
        "Seirbheis math, tapadh leibh don sgioba.",
        "Tha e doirbh pàirceadh aig an ionad.",
        "Tha an dòigh ùr ag obair nas fheàrr dhuinn.",
        "Dh'fhaodadh an conaltradh a bhith na b' fheàrr.",
    ],
    "ur": [
        "عملہ بہت مہربان تھا اور میری بات سنی۔",
        "ملاقات کے لیے انتظار کا وقت بہت لمبا ہے۔",
        "شام کو دیکھ بھال کرنے والوں کے لیے مزید مدد ہونی چاہیے۔",
        "مجھے نہیں معلوم تھا کہ کس کو فون کروں۔",
        "بہترین سروس، پوری ٹیم کا شکریہ۔",
        "مرکز میں پارکنگ بہت مشکل ہے۔",
        "کام کے نئے طریقے نے میری ماں کے لیے آسانی پیدا کی۔",
        "ٹیموں کے درمیان رابطہ بہتر ہو سکتا ہے۔",
    ],
}


def _py3langid() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: ident.classify(text)[0]


def _lingua() -> object:
    from lingua import LanguageDetectorBuilder

    det = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def best(text: str) -> str:
        lang = det.detect_language_of(text)
        return lang.iso_code_639_1.name.lower() if lang else "?"

    return best


def main() -> None:
    """Print, per candidate, the English/not-English accuracy, exact-language hits and speed."""
    for name, make in (("py3langid", _py3langid), ("lingua", _lingua)):
        t0 = time.perf_counter()
        try:
            guess = make()
        except ImportError as err:
            print(f"{name}: not installed ({err})")
            continue
        load = time.perf_counter() - t0
        n = right_en = exact = 0
        t1 = time.perf_counter()
        for lang, texts in SENTENCES.items():
            for text in texts:
                got = guess(text)  # type: ignore[operator]
                n += 1
                right_en += (got == "en") == (lang == "en")
                exact += got == lang
        per = (time.perf_counter() - t1) / n * 1000
        print(
            f"{name}: english-or-not {right_en}/{n}, exact language {exact}/{n}, "
            f"load {load:.1f} s, {per:.2f} ms/sentence"
        )


if __name__ == "__main__":
    main()
