package org.iopfhir.apidocs;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.util.ExtensionConstants;
import ca.uhn.fhir.util.HapiExtensions;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
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
 * <li>The document is built once per page, server address and CapabilityStatement, not per call (it costs
 * seconds of CPU): the cache key holds a digest of the CapabilityStatement without its resource counts and
 * date, so a change to what the server offers (a new SearchParameter, a new operation) builds it anew.</li>
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
        String key = (page == null || page.length == 0 ? "" : page[0]) + "\n" + capabilities(request);
        synchronized (built) {
            return built.computeIfAbsent(key, k -> describe(super.generateOpenApi(request)));
        }
    }

    /** A digest of what the server offers at this address: the CapabilityStatement without counts and date. */
    private String capabilities(ServletRequestDetails request) {
        CapabilityStatement statement = ((CapabilityStatement) request.getServer().getCapabilityStatement(request)).copy();
        statement.setDateElement(null);
        statement.getRest().forEach(rest -> rest.getResource().forEach(resource ->
                resource.getExtension().removeIf(e -> ExtensionConstants.CONF_RESOURCE_COUNT.equals(e.getUrl()))));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.encodeResourceToString(statement).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
