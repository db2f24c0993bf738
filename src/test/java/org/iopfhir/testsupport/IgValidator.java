package org.iopfhir.testsupport;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.BaseValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Questionnaire;
import org.iopfhir.ig.ImplementationGuide;

/**
 * HAPI's instance validator over base R4 plus the implementation guide as the server loads it
 * from the classpath, without a database: fast enough for table-driven unit tests.
 */
public final class IgValidator {

    public static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final ImplementationGuide GUIDE = ImplementationGuide.fromClasspath(FHIR);
    private static final FhirInstanceValidator MODULE = new FhirInstanceValidator(chain());

    private IgValidator() {
    }

    public static ImplementationGuide guide() {
        return GUIDE;
    }

    /** The example episode as shipped: a transaction of PUTs, safe to post more than once. */
    public static org.hl7.fhir.r4.model.Bundle exampleEpisode() {
        return example("Bundle-example-episode.json");
    }

    /** An example Bundle of the guide by file name, e.g. {@code Bundle-variant-lapse.json}. */
    public static org.hl7.fhir.r4.model.Bundle example(String file) {
        return (org.hl7.fhir.r4.model.Bundle) GUIDE.examples().stream()
                .filter(e -> e.file().endsWith("/" + file) || e.file().equals(file))
                .findFirst().orElseThrow().resource();
    }

    public static FhirInstanceValidator module() {
        return MODULE;
    }

    public static FhirValidator validator() {
        return FHIR.newValidator().registerValidatorModule(MODULE);
    }

    private static ValidationSupportChain chain() {
        PrePopulatedValidationSupport conformance = new PrePopulatedValidationSupport(FHIR);
        GUIDE.conformance().forEach(e -> conformance.addResource(e.resource()));
        Map<String, Questionnaire> questionnaires = GUIDE.conformance().stream()
                .map(ImplementationGuide.Entry::resource)
                .filter(Questionnaire.class::isInstance).map(Questionnaire.class::cast)
                .collect(Collectors.toMap(Questionnaire::getUrl, q -> q));
        // PrePopulatedValidationSupport holds no Questionnaires; responses are checked against ours.
        IValidationSupport questionnaireSupport = new BaseValidationSupport(FHIR) {
            @Override
            public <T extends IBaseResource> T fetchResource(Class<T> type, String url) {
                Questionnaire q = questionnaires.get(url.split("\\|")[0]);
                return q != null && (type == null || type.isInstance(q)) ? (T) q : null;
            }
        };
        return new ValidationSupportChain(new DefaultProfileValidationSupport(FHIR), conformance, questionnaireSupport,
                new CommonCodeSystemsTerminologyService(FHIR), new InMemoryTerminologyServerValidationSupport(FHIR),
                new SnapshotGeneratingValidationSupport(FHIR));
    }
}
