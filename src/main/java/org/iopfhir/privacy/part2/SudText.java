package org.iopfhir.privacy.part2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The safety net for uncoded data: does a human-readable label (a CodeableConcept's text, a Coding's
 * display) name a substance use disorder? Codes are the rule ({@link SudDiagnoses}); this catches a
 * diagnosis typed as text only, coded in a system we do not read, or coded with a SNOMED CT
 * descendant the value set does not list. It errs on the side of labelling (a privacy officer can
 * relabel; an unlabelled SUD record is an unauthorised disclosure waiting to happen), so it does not
 * try to read negation: "denies alcohol abuse" is labelled.
 *
 * <p>The text is lower-cased and reduced to words (letters and digits). A phrase counts when it is
 * <ul>
 *   <li>a substance followed by {@code use disorder} or {@code related disorder} ("opioid use disorder,
 *       moderate", "alcohol use disorders", "sedative, hypnotic, or anxiolytic use disorder");</li>
 *   <li>a substance followed by {@code dependence}, {@code dependency}, {@code abuse}, {@code abuser},
 *       {@code addiction} or {@code addict} ("alcohol dependence", "drug abuse", "chemical dependency");</li>
 *   <li>{@code dependence}/{@code abuse}/{@code addiction} {@code on|to|of} (a word and) a substance
 *       ("addiction to opioids", "abuse of prescription drugs");</li>
 *   <li>{@code harmful (pattern of) use of} a substance (the ICD-10 "harmful use" wording);</li>
 *   <li>{@code alcoholism}, or {@code addiction}/{@code addicted}/{@code addict} on its own.</li>
 * </ul>
 * The substances are those of ICD-10-CM F10-F16, F18, F19 (alcohol, opioids, cannabis, cocaine,
 * stimulants, sedatives, hallucinogens, inhalants...) and the generic words drug, substance and
 * chemical. Tobacco, nicotine and caffeine are not substances here (42 CFR 2.11), so "nicotine
 * dependence" and "tobacco use disorder" do not count, and neither does:
 * <ul>
 *   <li>a phrase with a generic substance word (drug, substance) next to an excluded one, within three
 *       words: "substance use disorder (nicotine)";</li>
 *   <li>a bare addiction word next to an excluded substance or a behaviour (gambling, internet,
 *       gaming...): "nicotine addiction", "addicted to gambling";</li>
 *   <li>the name of a screening instrument, or what a screening looks for: "Alcohol Use Disorders
 *       Identification Test", "Drug Abuse Screening Test", "screening for alcohol abuse" - everyone is
 *       screened (the phrase directly followed by screening, screen, identification, test or questionnaire,
 *       or directly preceded by screening/screened (for)).</li>
 * </ul>
 * Social history wording without a disorder word ("alcohol use", "drug use", "urine drug screen") never
 * counts.
 */
final class SudText {

    private static final String SUBSTANCE = "(?<substance>alcohol|opioids?|opiates?|heroin|fentanyl|cannabis|marijuana"
            + "|marihuana|cocaine|stimulants?|amphetamines?|methamphetamines?|sedatives?|hypnotics?|anxiolytics?"
            + "|benzodiazepines?|barbiturates?|hallucinogens?|phencyclidine|pcp|ketamine|inhalants?|solvents?"
            + "|drugs?|psychoactive substances?|substances?|polysubstance|polydrug|chemical)";
    private static final Set<String> GENERIC = Set.of("drug", "drugs", "substance", "substances", "psychoactive substance",
            "psychoactive substances", "polysubstance", "polydrug", "chemical");

    /** How a phrase names its substance, which decides what the words around it may veto. */
    private enum Kind {
        /** Names a substance in the group {@code substance}: a generic one can be vetoed by an excluded one nearby. */
        NAMED,
        /** Names the substance itself ("alcoholism"): only a screening context vetoes it. */
        SPECIFIC,
        /** Names no substance ("addiction"): an excluded substance or a behaviour nearby vetoes it. */
        BARE
    }

    private record Phrase(Pattern pattern, Kind kind) {
        Phrase(String regex, Kind kind) {
            this(Pattern.compile("\\b" + regex + "\\b"), kind);
        }
    }

    private static final List<Phrase> PHRASES = List.of(
            new Phrase(SUBSTANCE + " (?:use|related) disorders?", Kind.NAMED),
            new Phrase(SUBSTANCE + " (?:dependence|dependency|abuse|abuser|addiction|addict)", Kind.NAMED),
            new Phrase("(?:dependence|dependency|abuse|addiction|addicted) (?:on|to|of) (?:[a-z0-9]+ )?" + SUBSTANCE, Kind.NAMED),
            new Phrase("harmful (?:pattern of )?use of (?:[a-z0-9]+ )?" + SUBSTANCE, Kind.NAMED),
            new Phrase("alcoholism", Kind.SPECIFIC),
            new Phrase("(?:addiction|addicted|addicts?)", Kind.BARE));

    /** Tobacco and caffeine are not SUD substances under 42 CFR 2.11. */
    private static final Set<String> EXCLUDED_SUBSTANCES = Set.of("tobacco", "nicotine", "caffeine", "cigarette",
            "cigarettes", "cigar", "cigars", "smoking", "smokeless", "vaping", "vape", "ecigarette");
    /** Addictions that are not to a substance at all. */
    private static final Set<String> BEHAVIOURS = Set.of("gambling", "gaming", "game", "games", "internet", "sex", "sexual",
            "food", "sugar", "shopping", "exercise", "work", "phone", "screen", "media", "love", "pornography");
    /** Words that turn an excluded substance next to a phrase into an exception: "substance abuse excluding tobacco". */
    private static final Set<String> EXCEPTIONS = Set.of("excluding", "except", "other", "besides", "non", "not");
    /** A phrase followed by one of these names an instrument: "Drug Abuse Screening Test". */
    private static final Set<String> INSTRUMENT = Set.of("screening", "screen", "screener", "identification", "test",
            "tests", "questionnaire");
    /** A phrase right after one of these (optionally with "for") is what was screened for, not found. */
    private static final Set<String> SCREENED = Set.of("screening", "screen", "screened");

    /** Words looked at on each side of a phrase. */
    private static final int WINDOW = 3;
    /** Characters that certainly hold {@link #WINDOW} words of interest: keeps the look-around constant for long text. */
    private static final int WINDOW_CHARS = 200;

    private SudText() {
    }

    static boolean namesSud(String text) {
        if (text == null || text.isBlank()) {
            return false;
        }
        String words = words(text);
        for (Phrase phrase : PHRASES) {
            Matcher match = phrase.pattern().matcher(words);
            while (match.find()) {
                if (counts(words, match, phrase.kind())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean counts(String words, Matcher match, Kind kind) {
        List<String> before = lastWords(words, match.start());
        List<String> after = firstWords(words, match.end());
        if (isScreening(before, after)) {
            return false;
        }
        List<String> near = Stream.concat(before.stream(), after.stream()).toList();
        return switch (kind) {
            case SPECIFIC -> true;
            case BARE -> near.stream().noneMatch(w -> EXCLUDED_SUBSTANCES.contains(w) || BEHAVIOURS.contains(w));
            case NAMED -> !GENERIC.contains(match.group("substance"))
                    || near.stream().noneMatch(EXCLUDED_SUBSTANCES::contains) || near.stream().anyMatch(EXCEPTIONS::contains);
        };
    }

    private static boolean isScreening(List<String> before, List<String> after) {
        if (!after.isEmpty() && INSTRUMENT.contains(after.get(0))) {
            return true;
        }
        int last = before.size() - 1;
        return last >= 0 && (SCREENED.contains(before.get(last))
                || last >= 1 && "for".equals(before.get(last)) && SCREENED.contains(before.get(last - 1)));
    }

    /** Lower case, every run of characters other than letters and digits one space. */
    static String words(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean space = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                out.append(Character.toLowerCase(c));
                space = false;
            } else if (!space) {
                out.append(' ');
                space = true;
            }
        }
        return out.toString().strip();
    }

    /** The {@link #WINDOW} whole words before {@code end}, looking back no further than {@link #WINDOW_CHARS}. */
    private static List<String> lastWords(String words, int end) {
        int start = Math.max(0, end - WINDOW_CHARS);
        List<String> all = new ArrayList<>(Arrays.asList(words.substring(start, end).strip().split(" ")));
        if (start > 0 && words.charAt(start - 1) != ' ' && words.charAt(start) != ' ') {
            all.remove(0); // cut in the middle of a word
        }
        all.removeIf(String::isEmpty);
        return all.subList(Math.max(0, all.size() - WINDOW), all.size());
    }

    /** The {@link #WINDOW} whole words after {@code start}, looking ahead no further than {@link #WINDOW_CHARS}. */
    private static List<String> firstWords(String words, int start) {
        int end = Math.min(words.length(), start + WINDOW_CHARS);
        List<String> all = new ArrayList<>(Arrays.asList(words.substring(start, end).strip().split(" ")));
        if (end > start && end < words.length() && words.charAt(end) != ' ' && words.charAt(end - 1) != ' ') {
            all.remove(all.size() - 1); // cut in the middle of a word
        }
        all.removeIf(String::isEmpty);
        return all.subList(0, Math.min(WINDOW, all.size()));
    }
}
