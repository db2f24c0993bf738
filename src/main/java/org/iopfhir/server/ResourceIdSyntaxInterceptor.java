package org.iopfhir.server;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * A resource id in the URL that breaks FHIR's id syntax is a malformed request (400), not a
 * missing resource: HAPI would otherwise answer reads of {@code Patient/a b!} with 404.
 */
@Interceptor
public class ResourceIdSyntaxInterceptor {

    /** FHIR R4 datatype {@code id}. */
    private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean rejectMalformedId(RequestDetails request) {
        IIdType id = request.getId();
        if (id != null && id.hasIdPart() && !FHIR_ID.matcher(id.getIdPart()).matches()) {
            throw new InvalidRequestException("'" + id.getIdPart() + "' is not a valid resource id: "
                    + "ids are 1-64 characters from A-Z, a-z, 0-9, '-' and '.'");
        }
        return true;
    }
}
