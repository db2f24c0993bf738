package org.iopfhir.testsupport;

import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;

/** Integration tests on the example episode, loaded once per test class (PUTs: reloading changes nothing). */
public abstract class ExampleEpisodeServerTest extends PostgresServerTest {

    private static final Set<Class<?>> LOADED = new HashSet<>();

    @BeforeEach
    void exampleEpisodeOncePerClass() {
        if (LOADED.add(getClass())) {
            loadExampleEpisode();
        }
    }

    protected void loadExampleEpisode() {
        client().transaction().withBundle(IgValidator.exampleEpisode().copy()).execute();
    }

    /** An episode of the example patient that is not an intensive outpatient one (no profile, no program track). */
    protected IdType otherEpisode() {
        return ((IdType) client().create().resource(new EpisodeOfCare().setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE)
                .setPatient(new Reference("Patient/example-patient"))).execute().getId()).toUnqualifiedVersionless();
    }
}
