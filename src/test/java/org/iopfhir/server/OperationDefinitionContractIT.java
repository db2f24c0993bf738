package org.iopfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationDefinition.OperationDefinitionParameterComponent;
import org.hl7.fhir.r4.model.OperationDefinition.OperationParameterUse;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.iopfhir.attendance.AttendanceOperation;
import org.iopfhir.ig.ImplementationGuide;
import org.iopfhir.levelofcare.LevelOfCareOperation;
import org.iopfhir.necessity.MedicalNecessityOperation;
import org.iopfhir.testsupport.ExampleEpisodeServerTest;
import org.iopfhir.testsupport.IgValidator;
import org.junit.jupiter.api.Test;

/**
 * Each OperationDefinition of the guide against the server: the inputs and levels it declares are the
 * ones the providers accept, and real answers (over HTTP, on the example episode) contain only declared
 * outputs, of the declared types, within the declared cardinalities, with every required one present.
 * Every declared output shows up in at least one of the calls, so nothing is declared that never comes.
 */
class OperationDefinitionContractIT extends ExampleEpisodeServerTest {

    private static final List<Class<?>> PROVIDERS =
            List.of(LevelOfCareOperation.class, AttendanceOperation.class, MedicalNecessityOperation.class);

    @Test
    void everyOperationDefinitionDeclaresExactlyTheInputsAndLevelsItsProviderAccepts() {
        assertThat(definitions()).hasSize(4).allSatisfy(definition -> {
            List<Method> methods = PROVIDERS.stream().flatMap(p -> Stream.of(p.getMethods()))
                    .filter(m -> m.isAnnotationPresent(Operation.class))
                    .filter(m -> m.getAnnotation(Operation.class).canonicalUrl().equals(definition.getUrl())).toList();
            assertThat(methods).as(definition.getUrl()).isNotEmpty().allSatisfy(m ->
                    assertThat(m.getAnnotation(Operation.class).name()).isEqualTo("$" + definition.getCode()));
            Map<String, String> accepted = new LinkedHashMap<>();
            for (Method method : methods) {
                for (Parameter parameter : method.getParameters()) {
                    OperationParam param = parameter.getAnnotation(OperationParam.class);
                    if (param != null) {
                        accepted.put(param.name(), cardinality(param.min(), param.max()));
                    }
                }
            }
            Map<String, String> declared = definition.getParameter().stream().filter(p -> p.getUse() == OperationParameterUse.IN)
                    .collect(Collectors.toMap(OperationDefinitionParameterComponent::getName,
                            p -> p.getMin() + ".." + p.getMax(), (a, b) -> a, LinkedHashMap::new));
            // A provider method's min applies to its own level; the definition covers every level.
            assertThat(declared.keySet()).as(definition.getUrl() + " inputs").containsExactlyInAnyOrderElementsOf(accepted.keySet());
            accepted.forEach((name, cardinality) -> assertThat(declared.get(name).split("\\.\\.")[1])
                    .as(definition.getUrl() + " max of " + name).isEqualTo(cardinality.split("\\.\\.")[1]));

            Set<String> levels = new HashSet<>();
            for (Method method : methods) {
                String type = method.getAnnotation(Operation.class).typeName();
                boolean instance = Stream.of(method.getParameters()).anyMatch(p -> p.isAnnotationPresent(IdParam.class));
                levels.add(type.isEmpty() ? "system" : instance ? "instance:" + type : "type:" + type);
            }
            Set<String> declaredLevels = new HashSet<>();
            if (definition.getSystem()) {
                declaredLevels.add("system");
            }
            for (var resource : definition.getResource()) {
                if (definition.getInstance()) {
                    declaredLevels.add("instance:" + resource.getValue());
                }
                if (definition.getType()) {
                    declaredLevels.add("type:" + resource.getValue());
                }
            }
            assertThat(declaredLevels).as(definition.getUrl() + " levels").containsExactlyInAnyOrderElementsOf(levels);
        });
    }

    @Test
    void realAnswersHoldOnlyDeclaredOutputsOfTheDeclaredTypesAndCardinalities() {
        Map<String, List<IBaseResource>> answers = new LinkedHashMap<>();
        answers.put(LevelOfCareOperation.CANONICAL, List.of(
                client().operation().onInstance(new IdType("Patient/example-patient")).named("$level-of-care")
                        .withNoParameters(Parameters.class).execute(),
                client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake")).named("$level-of-care")
                        .withParameter(Parameters.class, "persist", new BooleanType(true))
                        .andParameter("actualLevel", new Coding("http://iop-fhir.org/fhir/CodeSystem/asam-level-of-care", "2.5", null))
                        .andParameter("varianceReason", new org.hl7.fhir.r4.model.CodeableConcept(new Coding(
                                "http://iop-fhir.org/fhir/CodeSystem/iop-variance-reason", "patient-preference", null)))
                        .execute(),
                client().operation().onServer().named("$level-of-care").withParameters(locusRatings()).execute(),
                client().operation().onServer().named("$level-of-care").withParameters(asamRatingsWithFindings()).execute()));
        answers.put(AttendanceOperation.CANONICAL, List.of(
                client().operation().onInstance(new IdType("EpisodeOfCare/example-episode")).named("$attendance")
                        .withNoParameters(Parameters.class).useHttpGet().execute(),
                client().operation().onInstance(noShowWithoutOutreach()).named("$attendance")
                        .withNoParameters(Parameters.class).useHttpGet().execute()));
        answers.put(MedicalNecessityOperation.CANONICAL, List.of(
                client().operation().onInstance(new IdType("EpisodeOfCare/example-episode")).named("$medical-necessity")
                        .withParameter(Parameters.class, "payer", new org.hl7.fhir.r4.model.StringType("Organization/example-payer"))
                        .andParameter("output", new CodeType("bundle")).useHttpGet().execute(),
                client().operation().onInstance(new IdType("EpisodeOfCare/example-episode")).named("$medical-necessity")
                        .withParameter(Parameters.class, "output", new CodeType("cdex"))
                        .andParameter("trackingId", new org.hl7.fhir.r4.model.StringType("urn:example:tcn|42"))
                        .andParameter("attachTo", new CodeType("claim")).useHttpGet().execute(),
                client().operation().onInstance(new IdType("EpisodeOfCare/example-episode")).named("$medical-necessity")
                        .withParameter(Parameters.class, "policy", new CodeType("medicare-2024")).useHttpGet().execute()));
        QuestionnaireResponse intake = client().read().resource(QuestionnaireResponse.class).withId("example-intake").execute();
        Parameters inline = new Parameters();
        inline.addParameter().setName("questionnaire-response").setResource(intake);
        answers.put(LevelOfCareOperation.EXTRACT_CANONICAL, List.of(
                client().operation().onInstance(new IdType("QuestionnaireResponse/example-intake")).named("$extract")
                        .withNoParameters(Parameters.class).returnResourceType(Bundle.class).execute(),
                client().operation().onType(QuestionnaireResponse.class).named("$extract")
                        .withParameters(inline).returnResourceType(Bundle.class).execute()));

        for (OperationDefinition definition : definitions()) {
            List<IBaseResource> calls = answers.get(definition.getUrl());
            assertThat(calls).as(definition.getUrl() + " is called here").isNotNull();
            List<OperationDefinitionParameterComponent> outputs = definition.getParameter().stream()
                    .filter(p -> p.getUse() == OperationParameterUse.OUT).toList();
            Set<String> seen = new HashSet<>();
            for (IBaseResource answer : calls) {
                List<String> problems = new ArrayList<>();
                if (answer instanceof Parameters parameters) {
                    check(definition.getCode(), outputs, parameters.getParameter(), problems, seen);
                } else {
                    // A single resource output named "return" comes back as the resource itself.
                    check(definition.getCode(), outputs, List.of(new ParametersParameterComponent().setName("return")
                            .setResource((org.hl7.fhir.r4.model.Resource) answer)), problems, seen);
                }
                assertThat(problems).as(definition.getUrl()).isEmpty();
            }
            List<String> declared = new ArrayList<>();
            paths("", outputs, declared);
            assertThat(seen).as(definition.getUrl() + ": every declared output is returned by some call")
                    .containsExactlyInAnyOrderElementsOf(declared);
        }
    }

    private static void check(String path, List<OperationDefinitionParameterComponent> declared,
            List<ParametersParameterComponent> actual, List<String> problems, Set<String> seen) {
        Map<String, List<ParametersParameterComponent>> byName = actual.stream()
                .collect(Collectors.groupingBy(ParametersParameterComponent::getName, LinkedHashMap::new, Collectors.toList()));
        for (String name : byName.keySet()) {
            if (declared.stream().noneMatch(d -> d.getName().equals(name))) {
                problems.add(path + "." + name + " is returned but not declared");
            }
        }
        for (OperationDefinitionParameterComponent definition : declared) {
            String at = path + "." + definition.getName();
            List<ParametersParameterComponent> values = byName.getOrDefault(definition.getName(), List.of());
            if (values.size() < definition.getMin()) {
                problems.add(at + " is declared " + definition.getMin() + ".." + definition.getMax() + " but came " + values.size() + " times");
            }
            if (!"*".equals(definition.getMax()) && values.size() > Integer.parseInt(definition.getMax())) {
                problems.add(at + " is declared " + definition.getMin() + ".." + definition.getMax() + " but came " + values.size() + " times");
            }
            if (!values.isEmpty()) {
                seen.add(at.substring(at.indexOf('.') + 1));
            }
            for (ParametersParameterComponent value : values) {
                String type = value.hasResource() ? value.getResource().fhirType() : value.hasValue() ? value.getValue().fhirType() : null;
                if (definition.hasPart()) {
                    if (type != null) {
                        problems.add(at + " is declared with parts but came as a " + type);
                    }
                    check(at, definition.getPart(), value.getPart(), problems, seen);
                } else if (type == null || !(definition.getType().equals(type) || definition.getType().equals("Resource") && value.hasResource())) {
                    problems.add(at + " is declared " + definition.getType() + " but came as " + type);
                }
            }
        }
    }

    private static void paths(String prefix, List<OperationDefinitionParameterComponent> declared, List<String> out) {
        for (OperationDefinitionParameterComponent definition : declared) {
            out.add(prefix + definition.getName());
            paths(prefix + definition.getName() + ".", definition.getPart(), out);
        }
    }

    /** A copy of the early-discharge variant under other ids, without the outreach after its no-show. */
    private IdType noShowWithoutOutreach() {
        String variant = client().getFhirContext().newJsonParser()
                .encodeResourceToString(IgValidator.example("Bundle-variant-ama.json"));
        Bundle copy = client().getFhirContext().newJsonParser().parseResource(Bundle.class, variant.replace("ama-", "contract-"));
        copy.getEntry().removeIf(e -> e.getResource() instanceof org.hl7.fhir.r4.model.Communication);
        client().transaction().withBundle(copy).execute();
        return new IdType("EpisodeOfCare/contract-episode");
    }

    private static Parameters locusRatings() {
        Parameters in = new Parameters().addParameter("ageGroup", new CodeType("adult"));
        String[] scales = {"1", "2", "3", "4a", "4b", "5", "6"};
        int[] ratings = {3, 2, 3, 3, 2, 3, 2};
        for (int i = 0; i < scales.length; i++) {
            ParametersParameterComponent rating = in.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding("http://iop-fhir.org/fhir/CodeSystem/locus-dimension", scales[i], null));
            rating.addPart().setName("value").setValue(new IntegerType(ratings[i]));
        }
        return in;
    }

    private static Parameters asamRatingsWithFindings() {
        Parameters in = new Parameters().addParameter("edition", new CodeType("3")).addParameter("ageGroup", new CodeType("adult"));
        int[] ratings = {2, 1, 1, 2, 3, 3};
        for (int i = 0; i < ratings.length; i++) {
            ParametersParameterComponent rating = in.addParameter().setName("rating");
            rating.addPart().setName("dimension").setValue(new Coding("http://iop-fhir.org/fhir/CodeSystem/asam-dimension", "e3-" + (i + 1), null));
            rating.addPart().setName("value").setValue(new IntegerType(ratings[i]));
        }
        for (String finding : List.of("suicide-risk", "lives-with-active-users", "no-support-network")) {
            in.addParameter("finding", new Coding("http://iop-fhir.org/fhir/CodeSystem/iop-observation-code", finding, null));
        }
        return in;
    }

    private static String cardinality(int min, int max) {
        return min + ".." + (max == OperationParam.MAX_UNLIMITED ? "*" : String.valueOf(max));
    }

    private static List<OperationDefinition> definitions() {
        return IgValidator.guide().conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(OperationDefinition.class::isInstance).map(OperationDefinition.class::cast).toList();
    }
}
