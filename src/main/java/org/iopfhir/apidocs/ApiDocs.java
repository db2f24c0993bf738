package org.iopfhir.apidocs;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.util.HapiExtensions;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationDefinition.OperationDefinitionParameterComponent;
import org.hl7.fhir.r4.model.OperationDefinition.OperationParameterUse;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.iopfhir.ig.ImplementationGuide;

/**
 * HAPI's OpenAPI interceptor ({@code /fhir/api-docs}, {@code /fhir/swagger-ui/}) with two additions.
 * <ul>
 * <li>Our operations are described by our OperationDefinitions (the implementation guide's, not the ones
 * HAPI derives from the Java annotations, which carry no text): title, description, each parameter's
 * documentation, and examples that run: the implementation guide's example resource of the path's type
 * as {@code {id}}, and as the request body the parameters whose definition gives an example value
 * (extension {@value HapiExtensions#EXT_OP_PARAMETER_EXAMPLE_VALUE}) - none for an instance-level call,
 * which runs on its defaults.</li>
 * <li>The document is built once per page and server address, not per call (it costs seconds of CPU), and
 * built anew only after a write that can change the CapabilityStatement ({@link Invalidation}).</li>
 * </ul>
 */
public class ApiDocs extends OpenApiInterceptor {

    private static final int KEPT = 8;
    private static final String FHIR_JSON = "application/fhir+json";

    private final Map<String, OperationDefinition> definitions = new LinkedHashMap<>();
    private final Map<String, String> exampleIds = new LinkedHashMap<>();
    private final IParser json;
    private final Map<String, OpenAPI> built = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, OpenAPI> eldest) {
            return size() > KEPT;
        }
    };

    public ApiDocs(FhirContext fhirContext, ImplementationGuide guide) {
        this.json = fhirContext.newJsonParser().setPrettyPrint(true);
        guide.conformance().stream().map(ImplementationGuide.Entry::resource)
                .filter(OperationDefinition.class::isInstance).map(OperationDefinition.class::cast)
                .forEach(d -> definitions.put(d.getCode(), d));
        for (ImplementationGuide.Entry example : guide.examples()) {
            for (Bundle.BundleEntryComponent entry : ((Bundle) example.resource()).getEntry()) {
                exampleIds.putIfAbsent(entry.getResource().fhirType(), entry.getResource().getIdElement().getIdPart());
            }
        }
    }

    @Override
    protected OpenAPI generateOpenApi(ServletRequestDetails request) {
        String[] page = request.getParameters().get("page");
        String key = (page == null || page.length == 0 ? "" : page[0]) + "\n" + request.getFhirServerBase();
        synchronized (built) {
            return built.computeIfAbsent(key, k -> describe(super.generateOpenApi(request)));
        }
    }

    /**
     * Forgets what was built when a resource that the CapabilityStatement is made from is written: a
     * SearchParameter (search parameters), a StructureDefinition (supported profiles), an OperationDefinition
     * or the CapabilityStatement itself. Resource counts and the statement's date do not appear in the document.
     */
    @Interceptor
    public final class Invalidation {

        private static final Set<String> SHAPING = Set.of("SearchParameter", "StructureDefinition", "OperationDefinition",
                "CapabilityStatement");

        @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
        public void created(IBaseResource resource) {
            written(resource);
        }

        @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
        public void updated(IBaseResource previous, IBaseResource resource) {
            written(resource);
        }

        @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
        public void deleted(IBaseResource resource) {
            written(resource);
        }

        private void written(IBaseResource resource) {
            if (resource != null && SHAPING.contains(resource.fhirType())) {
                synchronized (built) {
                    built.clear();
                }
            }
        }
    }

    private OpenAPI describe(OpenAPI openApi) {
        if (openApi.getPaths() == null) {
            return openApi;
        }
        openApi.getPaths().forEach((path, item) -> {
            int dollar = path.lastIndexOf("/$");
            OperationDefinition definition = dollar < 0 ? null : definitions.get(path.substring(dollar + 2));
            if (definition != null) {
                String[] segments = path.substring(1).split("/");
                boolean instance = segments.length == 3;
                String type = segments.length > 1 ? segments[0] : null;
                item.readOperations().forEach(operation -> describe(operation, definition, type, instance));
            }
        });
        return openApi;
    }

    private void describe(Operation operation, OperationDefinition definition, String type, boolean instance) {
        operation.setSummary(definition.getTitle());
        operation.setDescription(definition.getDescription());
        for (Parameter parameter : Optional.ofNullable(operation.getParameters()).orElse(List.of())) {
            if ("path".equals(parameter.getIn()) && "id".equals(parameter.getName())) {
                parameter.setDescription("The " + type + " id (the example is the implementation guide's, which the "
                        + "embedded default loads)");
                parameter.setExample(exampleIds.get(type));
                continue;
            }
            input(definition, parameter.getName()).ifPresent(p -> {
                parameter.setDescription(p.getDocumentation());
                parameter.setExample(example(p).map(Type::primitiveValue).orElse(null));
            });
        }
        if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
            MediaType body = operation.getRequestBody().getContent().get(FHIR_JSON);
            if (body != null) {
                body.setExample(json.encodeResourceToString(requestBody(definition, instance)));
            }
        }
    }

    private static Parameters requestBody(OperationDefinition definition, boolean instance) {
        Parameters body = new Parameters();
        if (!instance) {
            for (OperationDefinitionParameterComponent parameter : definition.getParameter()) {
                if (parameter.getUse() == OperationParameterUse.IN) {
                    example(parameter).ifPresent(value -> body.addParameter().setName(parameter.getName()).setValue(value));
                }
            }
        }
        return body;
    }

    private static Optional<OperationDefinitionParameterComponent> input(OperationDefinition definition, String name) {
        return definition.getParameter().stream().filter(p -> p.getUse() == OperationParameterUse.IN
                && p.getName().equals(name)).findFirst();
    }

    /** The parameter's example value, typed as the parameter is. */
    private static Optional<Type> example(OperationDefinitionParameterComponent parameter) {
        Extension extension = parameter.getExtensionByUrl(HapiExtensions.EXT_OP_PARAMETER_EXAMPLE_VALUE);
        if (extension == null || extension.getValue() == null) {
            return Optional.empty();
        }
        String value = extension.getValue().primitiveValue();
        return Optional.of(switch (String.valueOf(parameter.getType())) {
            case "Reference" -> new Reference(value);
            case "code" -> new CodeType(value);
            case "date" -> new DateType(value);
            case "boolean" -> new BooleanType(value);
            default -> new StringType(value);
        });
    }
}
