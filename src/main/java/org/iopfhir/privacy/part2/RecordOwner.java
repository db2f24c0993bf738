package org.iopfhir.privacy.part2;

import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The program a record belongs to: a {@code meta.tag} in {@value #SYSTEM} whose code is the program's
 * {@code Organization/id}. This server sets it on every write ({@link RecordOwnerInterceptor}) and keeps
 * it for the record's life; clients can neither set nor change it. A clinician sees their own
 * program's records; another program's Part 2 records only under a consent naming their program or
 * by breaking the glass ({@link DisclosurePolicy}).
 */
public final class RecordOwner {

    public static final String SYSTEM = "http://iop-fhir.org/fhir/CodeSystem/iop-record-owner";

    private RecordOwner() {
    }

    public static Optional<String> of(IBaseResource resource) {
        return resource.getMeta().getTag().stream()
                .filter(t -> SYSTEM.equals(t.getSystem()) && t.getCode() != null)
                .map(IBaseCoding::getCode).findFirst();
    }

    /** Makes {@code program} the only owner tag (any other, e.g. one a client sent, is dropped). */
    public static void set(IBaseResource resource, String program) {
        clear(resource);
        resource.getMeta().addTag().setSystem(SYSTEM).setCode(program).setDisplay("record owner");
    }

    static void clear(IBaseResource resource) {
        resource.getMeta().getTag().removeIf(t -> SYSTEM.equals(t.getSystem()));
    }
}
