package org.iopfhir.fhir;

import ca.uhn.fhir.context.BaseRuntimeChildDatatypeDefinition;
import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition.ChildTypeEnum;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildDirectResource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.PrimitiveType;

/**
 * Finds the populated elements of a composite type (Reference, Coding, CodeableConcept) in a resource: the
 * same elements in the same order as HAPI's {@code FhirTerser.getAllPopulatedChildElementsOfType} - its
 * contained resources included, a reference's embedded target without a stored id followed, the resources a
 * Bundle or Parameters embeds not entered - but without visiting what cannot hold one. The terser builds a
 * path and checks emptiness (walking the subtree again) for every element, primitives included; privacy
 * decisions look for the references of every record they show, and that walk took a quarter of the review
 * operations' time. Here the children of each element type that can only hold primitives are left out once,
 * and emptiness is checked only for what is found.
 */
public final class ElementFinder {

    private static final Set<ChildTypeEnum> PRIMITIVE = Set.of(ChildTypeEnum.PRIMITIVE_DATATYPE,
            ChildTypeEnum.PRIMITIVE_XHTML, ChildTypeEnum.PRIMITIVE_XHTML_HL7ORG, ChildTypeEnum.ID_DATATYPE);

    private final FhirContext context;
    /** For each element type, the children that can hold a composite element. */
    private final Map<BaseRuntimeElementCompositeDefinition<?>, List<BaseRuntimeChildDefinition>> composite =
            new ConcurrentHashMap<>();

    public ElementFinder(FhirContext context) {
        this.context = context;
    }

    /** The references of a resource, as {@code FhirTerser.getAllResourceReferences} finds them. */
    public List<IBaseReference> references(IBaseResource resource) {
        return all(resource, IBaseReference.class);
    }

    /** The populated elements of a composite type in a resource. */
    public <T extends IBase> List<T> all(IBaseResource resource, Class<T> type) {
        // Primitives are not entered, so a type a primitive can be (IBase, Element, Type...) would be found only in part.
        if (IPrimitiveType.class.isAssignableFrom(type) || type.isAssignableFrom(PrimitiveType.class)) {
            throw new IllegalArgumentException("primitives are not looked for: " + type.getSimpleName());
        }
        List<T> found = new ArrayList<>();
        Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
        visit(resource, context.getResourceDefinition(resource), type, found, path);
        return found;
    }

    private <T extends IBase> void visit(IBase element, BaseRuntimeElementDefinition<?> definition, Class<T> type,
            List<T> found, Set<Object> path) {
        if (!path.add(element)) {
            return; // a reference whose embedded target leads back here
        }
        if (type.isInstance(element) && !element.isEmpty()) {
            found.add(type.cast(element));
        }
        if (element instanceof IBaseReference reference && reference.getResource() != null) {
            IBaseResource target = reference.getResource();
            if (!target.getIdElement().hasIdPart() || target.getIdElement().isLocal()) {
                visit(target, context.getResourceDefinition(target), type, found, path);
            }
        }
        BaseRuntimeElementDefinition<?> actual = definition.getChildType() == ChildTypeEnum.CONTAINED_RESOURCE_LIST
                ? context.getElementDefinition(element.getClass()) : definition;
        if (actual instanceof BaseRuntimeElementCompositeDefinition<?> parent && !PRIMITIVE.contains(actual.getChildType())) {
            for (BaseRuntimeChildDefinition child : composite.computeIfAbsent(parent, this::compositeChildren)) {
                List<? extends IBase> values = child.getAccessor().getValues(element);
                for (IBase value : values == null ? List.<IBase>of() : values) {
                    if (value == null) {
                        continue;
                    }
                    if (child instanceof RuntimeChildDirectResource) {
                        // Embedded resources (Bundle.entry.resource, Parameters.parameter.resource) are not entered.
                        if (type.isInstance(value) && !value.isEmpty()) {
                            found.add(type.cast(value));
                        }
                        continue;
                    }
                    BaseRuntimeElementDefinition<?> valueDefinition = child.getChildElementDefinitionByDatatype(value.getClass());
                    if (valueDefinition == null) {
                        valueDefinition = context.getElementDefinition(value.getClass());
                    }
                    visit(value, valueDefinition, type, found, path);
                }
            }
        }
        path.remove(element);
    }

    /**
     * The children of an element type minus those of one primitive datatype (which the terser does not enter);
     * choices, backbone elements, extensions and contained resources are kept.
     */
    private List<BaseRuntimeChildDefinition> compositeChildren(BaseRuntimeElementCompositeDefinition<?> parent) {
        List<BaseRuntimeChildDefinition> children = new ArrayList<>();
        for (BaseRuntimeChildDefinition child : parent.getChildrenAndExtension()) {
            BaseRuntimeElementDefinition<?> datatype = child instanceof BaseRuntimeChildDatatypeDefinition single
                    ? context.getElementDefinition(single.getDatatype()) : null;
            if (datatype == null || !PRIMITIVE.contains(datatype.getChildType())) {
                children.add(child);
            }
        }
        return List.copyOf(children);
    }
}
