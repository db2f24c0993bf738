package org.iopfhir.episode;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which episodes the review operations accept: IOP ones with an admission date and a patient. */
class EpisodeLoaderTest {

    static Stream<Arguments> episodes() {
        return Stream.of(
                accepted("claiming the IOP episode profile", e -> e.getMeta().addProfile(EpisodeLoader.EPISODE_PROFILE)),
                accepted("claiming a version of the IOP episode profile",
                        e -> e.getMeta().addProfile(EpisodeLoader.EPISODE_PROFILE + "|0.2.0")),
                accepted("on an IOP program track without the profile", e -> e.addType(track())),
                refused("a plain episode is not an IOP admission", e -> { }, "not an intensive outpatient episode"),
                refused("a program track from another code system is not ours",
                        e -> e.addType(new CodeableConcept(new Coding("http://example.org/tracks", "sud", null))),
                        "not an intensive outpatient episode"),
                refused("without an admission date there are no weeks to count",
                        e -> e.addType(track()).setPeriod(new Period()), "has no admission date"),
                refused("an episode must name its patient",
                        e -> e.addType(track()).setPatient(new Reference("Group/g1")), "does not name its patient"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("episodes")
    void onlyIntensiveOutpatientEpisodesWithAnAdmissionDateAreReviewed(String why, Consumer<EpisodeOfCare> shape,
            String refusal) {
        EpisodeOfCare episode = new EpisodeOfCare().setPatient(new Reference("Patient/p1"))
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-01-05")));
        episode.setId("e1");
        shape.accept(episode);

        if (refusal == null) {
            assertThatCode(() -> EpisodeLoader.requireIop(episode)).as(why).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> EpisodeLoader.requireIop(episode)).as(why)
                    .isInstanceOf(UnprocessableEntityException.class).hasMessageContaining(refusal)
                    .hasMessageContaining("EpisodeOfCare/e1");
        }
    }

    private static CodeableConcept track() {
        return new CodeableConcept(new Coding(EpisodeLoader.PROGRAM_TRACK_SYSTEM, "sud", null));
    }

    private static Arguments accepted(String why, Consumer<EpisodeOfCare> shape) {
        return Arguments.of(why, shape, null);
    }

    private static Arguments refused(String why, Consumer<EpisodeOfCare> shape, String refusal) {
        return Arguments.of(why, shape, refusal);
    }
}
